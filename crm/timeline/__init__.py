"""The timeline: what happened on a record (activities, tasks and their reminders, engagement, typed
lifecycle events, field changes) and the notifications it raises, with the hooks and panels upper
stages use to add to it."""
