"""The review workflow: who may do what (``policy``), the steps themselves (``services``), each
step declared once with its check and its service (``transitions``), and revisions."""
