# A function that leaves a daemon behind: a double fork with setsid in
# between, standard streams on /dev/null and, with "keepEnv": false, an empty
# environment. Nothing then ties the daemon to the function's process but
# the server's subreaper.
import os
import shutil

SLEEP = shutil.which("sleep")


def handler(event, context):
    r, w = os.pipe()  # not inherited across exec
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            if os.fork():
                os._exit(0)
            fd = os.open(os.devnull, os.O_RDWR)
            for i in (0, 1, 2):
                os.dup2(fd, i)
            os.write(w, str(os.getpid()).encode())
            env = dict(os.environ) if event.get("keepEnv", True) else {}
            os.execve(SLEEP, ["sleep", "1000"], env)
        finally:
            os._exit(1)
    os.close(w)
    os.waitpid(pid, 0)
    data = b""
    while True:
        chunk = os.read(r, 64)
        if not chunk:
            break
        data += chunk
    os.close(r)
    return {"pid": int(data)}
