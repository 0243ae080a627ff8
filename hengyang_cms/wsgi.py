import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengyang_cms.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process.
# Moving it out of the garbage collector's reach keeps full collections, which otherwise walk
# all of it every so often in the middle of a request, down to the objects requests make.
gc.freeze()
