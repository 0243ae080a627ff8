"""gunicorn settings, from the environment (see deploy/hengyang.env.example).

    gunicorn --config deploy/gunicorn.conf.py hengyang_cms.wsgi:application

GUNICORN_BIND        address to listen on (nginx proxies to it)            127.0.0.1:8000
GUNICORN_WORKERS     processes; each serves one request at a time per thread   2 × cores + 1
GUNICORN_THREADS     threads per process (> 1 uses the gthread worker)     1
GUNICORN_TIMEOUT     seconds before a silent worker is killed and replaced  30
GUNICORN_GRACEFUL_TIMEOUT  seconds a worker may finish its requests on reload/stop  30
GUNICORN_KEEPALIVE   seconds an idle keep-alive connection from nginx stays open  5
GUNICORN_MAX_REQUESTS  a worker is replaced after this many requests (0: never)  5000
GUNICORN_PRELOAD     1: load the app once in the master, then fork (less memory)  1
GUNICORN_ACCESS_LOG  "-" for the journal, a path, or empty for none        empty

Requests never wait on a dead dependency for long: database connections give up after
DJANGO_DB_CONNECT_TIMEOUT (3 s) and answer 503, Redis after DJANGO_REDIS_TIMEOUT (0.25 s) and is
skipped; GUNICORN_TIMEOUT is the last resort.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
backlog = _int("GUNICORN_BACKLOG", 2048)
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() in {"1", "true", "yes", "on"}
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "hengyang"
# Only nginx on this machine may tell the app the scheme and the client's address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 25+ opens a control socket in $HOME/.gunicorn/ (shared by every instance of a user, and
# read-only under the systemd unit): off unless a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Time taken in microseconds (%(D)s) last, for bench/load.sh and for finding slow pages.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s "%(a)s" %(D)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
