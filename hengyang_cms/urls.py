from django.contrib import admin
from django.urls import path

from hengyang_cms import views

admin.site.site_header = "衡阳日报采编系统"
admin.site.site_title = "衡阳日报采编系统"
admin.site.index_title = "采编管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
