"""Events: the outbox, the audit log and the mails the platform "sends".

Every change writes its event (and, for partner-visible changes, an audit
record) in the same transaction as the change itself; webhook delivery and the
control surface read the outbox. Notifications are the mails: each goes to an
address and, when it concerns a partner, to that partner's notification list.
"""
