"""The daily and weekly digests: each a rule an administrator switches on with its recipients,
channels and time. A beat task looks every minute whether one is due (`send_due`) and queues it in
the outbox under one event key per digest and local date; the outbox row holds only the covered
span, the figures and the XLSX attachment are made when it is sent, for each recipient."""
