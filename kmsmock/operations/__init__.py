"""Operation handlers, one module per area.

Importing this package imports none of them: ``kmsmock._dispatch`` imports a handler's
module when its operation is first called, which registers the module's handlers.
"""
