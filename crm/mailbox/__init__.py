"""The mailbox: the email Django's file-based backend captured, shown to admins who run without an SMTP
server."""
