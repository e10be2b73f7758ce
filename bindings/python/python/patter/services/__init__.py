"""Services with the module names of the Patter SDK (``patter.services.call_log``)."""
