import os


def handler(event, context):
    # Proves an invocation happened: the browser security tests check that
    # no web page can make one.
    with open(os.environ["MARKER"], "a") as f:
        f.write("invoked\n")
    return {"ok": True}
