"""A record's timeline boxes, the user's tasks and notifications, mounted at the site's root by
crm/web_urls.py."""

from django.urls import path

from crm.timeline import views

urlpatterns = [
    path("timeline/<str:label>/<int:pk>/activities/", views.activity_add, name="timeline-activity-add"),
    path("timeline/<str:label>/<int:pk>/tasks/", views.task_add, name="timeline-task-add"),
    path("timeline/<str:label>/<int:pk>/changes/", views.record_changes_page, name="timeline-changes"),
    path("tasks/", views.my_tasks_page, name="my-tasks"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="task-complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen_view, name="task-reopen"),
    path("notifications/", views.notification_list_page, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
