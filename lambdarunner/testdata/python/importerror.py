import doesnotexist  # noqa: F401


def handler(event, context):
    return "unreachable"
