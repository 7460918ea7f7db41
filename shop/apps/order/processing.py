"""Oscar's order event handler: a "dispatched" shipping event ships the lines out
of the cooperatives' lots and records the sales (``dispatch.dispatch_lines``)."""

from oscar.apps.order import processing

from shop.apps.order.dispatch import dispatch_lines

DISPATCHED = "dispatched"


class EventHandler(processing.EventHandler):
    def handle_shipping_event(
        self, order, event_type, lines, line_quantities, **kwargs
    ):
        self.validate_shipping_event(
            order, event_type, lines, line_quantities, **kwargs
        )
        if event_type.code == DISPATCHED:
            dispatch_lines(
                order=order, lines=lines, quantities=line_quantities, actor=self.user
            )
        return self.create_shipping_event(
            order, event_type, lines, line_quantities, **kwargs
        )
