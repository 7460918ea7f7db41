# Sourced by the start scripts (web, worker, beat, migrate): moves to the project
# folder, sets production defaults and refuses unsafe settings before anything
# starts. Not executable on its own.

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$APP_DIR"
SCRIPT="$(basename "$0")"
PYTHON="${PYTHON:-python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-shop.settings.production}"
export PYTHONUNBUFFERED=1

log() { echo "[$SCRIPT] $*" >&2; }

# Exit code 78 (EX_CONFIG): the configuration is wrong, restarting will not help.
refuse() {
  echo "[$SCRIPT] refusing to start: $*" >&2
  exit 78
}

# Mirrors shop/settings/production.py (and Django's security.W009), so that a bad
# environment is refused with one clear line instead of a traceback.
refuse_unsafe_settings() {
  if [ "$DJANGO_SETTINGS_MODULE" != "shop.settings.production" ]; then
    refuse "DJANGO_SETTINGS_MODULE is '$DJANGO_SETTINGS_MODULE'; the start scripts run shop.settings.production only."
  fi
  local debug
  debug="$(printf '%s' "${DJANGO_DEBUG:-}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')"
  case "$debug" in
    1 | true | yes | on)
      refuse "DJANGO_DEBUG='${DJANGO_DEBUG}' turns DEBUG on; production runs with DEBUG off (unset DJANGO_DEBUG)." ;;
  esac
  local key="${DJANGO_SECRET_KEY:-}"
  local how="generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
  if [ -z "$key" ]; then
    refuse "DJANGO_SECRET_KEY is not set; $how"
  fi
  if [ "${#key}" -lt 50 ]; then
    refuse "DJANGO_SECRET_KEY is weak (${#key} characters, at least 50 needed); $how"
  fi
  if [ "$(printf '%s' "$key" | fold -w1 | sort -u | wc -l)" -lt 5 ]; then
    refuse "DJANGO_SECRET_KEY is weak (fewer than 5 different characters); $how"
  fi
  case "$key" in
    django-insecure-* | dev-only-insecure-key*)
      refuse "DJANGO_SECRET_KEY is a development key; $how" ;;
  esac
}
