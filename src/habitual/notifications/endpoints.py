"""/notifications (the in-app inbox), /webhooks, /users/me/notification-preferences, and
/admin/notifications/{id}/retry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from habitual.auth.scopes import Scope
from habitual.deps import (
    AdminUser,
    CurrentUser,
    HabitReader,
    HabitWriter,
    RuntimeDep,
    Scoped,
    UoW,
)
from habitual.errors import problem_responses
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID
from habitual.models import Notification, User, Webhook
from habitual.notifications.schemas import (
    DeliveryRead,
    MarkedRead,
    NotificationPreferencesRead,
    NotificationPreferencesWrite,
    NotificationRead,
    Requeued,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)
from habitual.notifications.service import notification_service

router = APIRouter(tags=["notifications"])

NotificationID = PathID
WebhookID = PathID
ProfileReader = Annotated[User, Scoped(Scope.profile_read)]


@router.get(
    "/notifications",
    response_model=Page[NotificationRead],
    summary="Your inbox",
    responses=problem_responses(401, 403, 422),
)
async def list_notifications(
    user: HabitReader,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
    unread: Annotated[bool | None, Query(description="true: only unread ones")] = None,
) -> Page[NotificationRead]:
    """Reminders, streak milestones, goals reached and targets met, newest first. A
    notification for the in-app channel is here as soon as what caused it is committed; email
    and webhooks are sent by the worker."""
    return await notification_service.inbox(uow, user, bool(unread), paging)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationRead,
    summary="Mark a notification read",
    responses=problem_responses(401, 403, 404, 422),
)
async def mark_read(notification_id: NotificationID, user: HabitWriter, uow: UoW) -> Notification:
    """Mark one notification of your inbox read (again is fine)."""
    return await notification_service.mark_read(uow, user, notification_id)


@router.post(
    "/notifications/read-all",
    response_model=MarkedRead,
    summary="Mark every notification read",
    responses=problem_responses(401, 403),
)
async def mark_all_read(user: HabitWriter, uow: UoW) -> MarkedRead:
    """Mark every unread notification of your inbox read."""
    return MarkedRead(marked=await notification_service.mark_all_read(uow, user))


@router.get(
    "/users/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    summary="Your notification preferences",
    tags=["account"],
    responses=problem_responses(401, 403),
)
async def get_notification_preferences(
    user: ProfileReader, uow: UoW
) -> NotificationPreferencesRead:
    """Every event with the channels (`inapp`, `email`, `webhook`) it goes out on, and whether
    that is its default or your choice. Personal access tokens need the `profile:read` scope."""
    return await notification_service.preferences(uow, user)


@router.put(
    "/users/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    summary="Choose where notifications go",
    tags=["account"],
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def put_notification_preferences(
    body: NotificationPreferencesWrite, user: CurrentUser, uow: UoW
) -> NotificationPreferencesRead:
    """Set the channels of the events named in `preferences`; the others keep theirs (a merge).
    `null` puts an event back to its default. A choice replaces what the code would send on,
    a reminder's own `channels` included. `email` goes only to a verified address; `webhook`
    only to your webhooks subscribed to the event; without `inapp` the notification is kept
    but not in the inbox. Unknown events or channels are a 422. Password logins only, as for
    `PATCH /users/me`. Answers every event, as the GET does."""
    return await notification_service.set_preferences(uow, user, body)


@router.get(
    "/webhooks",
    response_model=list[WebhookRead],
    summary="Your webhooks",
    responses=problem_responses(401, 403),
)
async def list_webhooks(user: CurrentUser, uow: UoW) -> Sequence[Webhook]:
    """Every webhook endpoint of yours, without its secret."""
    return await notification_service.webhooks(uow, user)


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Add a webhook",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_webhook(
    body: WebhookCreate, user: CurrentUser, uow: UoW, runtime: RuntimeDep
) -> WebhookCreated:
    """Receive `events` as signed POSTs, the Standard Webhooks way: headers `webhook-id`,
    `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
    `id.timestamp.body` with the secret, which this answer shows once). URLs that resolve to
    private, loopback or link-local addresses are refused unless the server allows them, and
    each delivery connects to the very address it checked. Past the server's number of
    webhooks per user (10 by default), a 409."""
    webhook, secret = await notification_service.add_webhook(uow, runtime, user, body)
    return WebhookCreated(
        id=webhook.id,
        url=webhook.url,
        events=body.events,
        active=webhook.active,
        created_at=webhook.created_at,
        secret=secret,
    )


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook(webhook_id: WebhookID, user: CurrentUser, uow: UoW) -> None:
    """Stop sending to this endpoint; its pending deliveries go with it."""
    await notification_service.delete_webhook(uow, user, webhook_id)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="A webhook's deliveries",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_deliveries(
    webhook_id: WebhookID,
    user: CurrentUser,
    uow: UoW,
    paging: Annotated[PageParams, Depends(page_params)],
) -> Page[DeliveryRead]:
    """Every delivery attempt record to this endpoint, newest first: status, attempts, the last
    answer or error."""
    return await notification_service.deliveries(uow, user, webhook_id, paging)


@router.post(
    "/admin/notifications/{notification_id}/retry",
    response_model=Requeued,
    summary="Retry a notification's dead deliveries",
    tags=["admin"],
    responses=problem_responses(401, 403, 404, 422),
)
async def retry_notification(
    notification_id: NotificationID, admin: AdminUser, uow: UoW
) -> Requeued:
    """Put every `dead` delivery of the notification back in the queue, with fresh attempts."""
    return Requeued(requeued=await notification_service.retry(uow, notification_id))
