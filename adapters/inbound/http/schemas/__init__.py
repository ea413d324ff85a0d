"""Request and response bodies, one module per controller (and one for socket frames)."""
