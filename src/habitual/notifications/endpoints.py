"""/notifications (the in-app inbox), /webhooks, and /admin/notifications/{id}/retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy import func, select, update

from habitual.deps import AdminUser, CurrentUser, HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import NotFound, Unprocessable, problem_responses
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams, page_params, paginate
from habitual.kit.types import MAX_ID
from habitual.models import Delivery, Notification, Webhook
from habitual.notifications.schemas import (
    DeliveryRead,
    MarkedRead,
    NotificationRead,
    Requeued,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)
from habitual.notifications.transports import DeliveryError, check_destination, new_webhook_secret

router = APIRouter(tags=["notifications"])

NotificationID = Annotated[int, Path(ge=1, le=MAX_ID)]
WebhookID = Annotated[int, Path(ge=1, le=MAX_ID)]

# The inbox holds the notifications addressed to it, from the moment they commit.
IN_INBOX = Notification.in_inbox


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
    statement = select(Notification).where(Notification.user_id == user.id, IN_INBOX)
    if unread:
        statement = statement.where(Notification.read_at.is_(None))
    statement = statement.order_by(Notification.created_at.desc(), Notification.id.desc())
    return await paginate(uow.session, statement, paging, NotificationRead.model_validate)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationRead,
    summary="Mark a notification read",
    responses=problem_responses(401, 403, 404, 422),
)
async def mark_read(notification_id: NotificationID, user: HabitWriter, uow: UoW) -> Notification:
    """Mark one notification of your inbox read (again is fine)."""
    statement = select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id, IN_INBOX
    )
    notification = (await uow.session.execute(statement)).scalar_one_or_none()
    if notification is None:
        raise NotFound("No such notification.")
    notification.read_at = notification.read_at or utcnow()
    await uow.session.flush()
    return notification


@router.post(
    "/notifications/read-all",
    response_model=MarkedRead,
    summary="Mark every notification read",
    responses=problem_responses(401, 403),
)
async def mark_all_read(user: HabitWriter, uow: UoW) -> MarkedRead:
    """Mark every unread notification of your inbox read."""
    result = await uow.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None), IN_INBOX)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return MarkedRead(marked=result.rowcount)  # type: ignore[attr-defined]


@router.get(
    "/webhooks",
    response_model=list[WebhookRead],
    summary="Your webhooks",
    responses=problem_responses(401, 403),
)
async def list_webhooks(user: CurrentUser, uow: UoW) -> list[Webhook]:
    """Every webhook endpoint of yours, without its secret."""
    statement = select(Webhook).where(Webhook.user_id == user.id).order_by(Webhook.id)
    return list((await uow.session.execute(statement)).scalars())


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Add a webhook",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_webhook(
    body: WebhookCreate, user: CurrentUser, uow: UoW, runtime: RuntimeDep
) -> WebhookCreated:
    """Receive `events` as signed POSTs, the Standard Webhooks way: headers `webhook-id`,
    `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
    `id.timestamp.body` with the secret, which this answer shows once). URLs that resolve to
    private, loopback or link-local addresses are refused unless the server allows them."""
    url = str(body.url)
    try:
        await check_destination(url, runtime.settings.webhook_allow_private)
    except DeliveryError as error:
        raise Unprocessable(str(error), field=("body", "url")) from None
    webhook = Webhook(
        user_id=user.id,
        url=url,
        events=[event.value for event in body.events],
        secret=new_webhook_secret(),
    )
    uow.session.add(webhook)
    await uow.session.flush()
    return WebhookCreated(
        id=webhook.id,
        url=webhook.url,
        events=body.events,
        active=webhook.active,
        created_at=webhook.created_at,
        secret=webhook.secret,
    )


async def _own_webhook(uow: UoW, user_id: int, webhook_id: int) -> Webhook:
    statement = select(Webhook).where(Webhook.id == webhook_id, Webhook.user_id == user_id)
    webhook = (await uow.session.execute(statement)).scalar_one_or_none()
    if webhook is None:
        raise NotFound("No such webhook.")
    return webhook


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook(webhook_id: WebhookID, user: CurrentUser, uow: UoW) -> None:
    """Stop sending to this endpoint; its pending deliveries go with it."""
    await uow.session.delete(await _own_webhook(uow, user.id, webhook_id))


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
    await _own_webhook(uow, user.id, webhook_id)
    statement = (
        select(Delivery)
        .where(Delivery.webhook_id == webhook_id)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
    )
    return await paginate(uow.session, statement, paging, DeliveryRead.model_validate)


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
    found = await uow.session.execute(
        select(func.count()).select_from(Notification).where(Notification.id == notification_id)
    )
    if not found.scalar_one():
        raise NotFound("No such notification.")
    result = await uow.session.execute(
        update(Delivery)
        .where(Delivery.notification_id == notification_id, Delivery.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), claimed_by=None)
    )
    return Requeued(requeued=result.rowcount)  # type: ignore[attr-defined]
