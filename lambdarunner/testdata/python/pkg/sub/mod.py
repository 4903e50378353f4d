def handler(event, context):
    return {"nested": True, "module": __name__, "event": event}
