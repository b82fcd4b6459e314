"""The kernel's pages: home, accounts, contacts, timelines, tasks, notifications and the mailbox."""

from django.urls import path

from crm.views import customers, home, jobs, mailbox, notifications, profile, timeline

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", customers.account_list, name="account-list"),
    path("accounts/new/", customers.account_create, name="account-create"),
    path("accounts/<int:pk>/", customers.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", customers.account_edit, name="account-edit"),
    path("accounts/<int:pk>/delete/", customers.account_delete, name="account-delete"),
    path("contacts/", customers.contact_list, name="contact-list"),
    path("contacts/new/", customers.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", customers.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", customers.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", customers.contact_delete, name="contact-delete"),
    path("timeline/<str:label>/<int:pk>/activities/", timeline.activity_add, name="timeline-activity-add"),
    path("timeline/<str:label>/<int:pk>/tasks/", timeline.task_add, name="timeline-task-add"),
    path("tasks/", timeline.my_tasks_page, name="my-tasks"),
    path("tasks/<int:pk>/complete/", timeline.task_complete_view, name="task-complete"),
    path("tasks/<int:pk>/reopen/", timeline.task_reopen_view, name="task-reopen"),
    path("notifications/", notifications.notification_list_page, name="notification-list"),
    path("notifications/bell/", notifications.notification_bell, name="notification-bell"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path("settings/", profile.user_settings, name="user-settings"),
    path("mailbox/", mailbox.mailbox, name="mailbox"),
    path("jobs/<int:pk>/", jobs.job_progress, name="job-progress"),
]
