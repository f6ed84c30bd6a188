"""Rules for the inbox, webhooks and their deliveries: each user sees only their own, and a
webhook only ever points at a public address unless the server allows otherwise."""

from __future__ import annotations

from collections.abc import Sequence

from habitual.db import UnitOfWork
from habitual.errors import Conflict, NotFound, Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams
from habitual.kit.secrets import SecretBox
from habitual.models import Channel, Event, Notification, User, Webhook
from habitual.notifications.outbox import default_channels
from habitual.notifications.repository import (
    DeliveryRepository,
    NotificationPreferenceRepository,
    NotificationRepository,
    WebhookRepository,
)
from habitual.notifications.schemas import (
    DeliveryRead,
    NotificationPreferenceRead,
    NotificationPreferencesRead,
    NotificationPreferencesWrite,
    NotificationRead,
    WebhookCreate,
)
from habitual.notifications.transports import DeliveryError, check_destination, new_webhook_secret
from habitual.runtime import Runtime


class NotificationService:
    async def inbox(
        self, uow: UnitOfWork, user: User, unread_only: bool, paging: PageParams
    ) -> Page[NotificationRead]:
        return await NotificationRepository(uow).inbox(
            user.id, unread_only=unread_only, paging=paging, item=NotificationRead.model_validate
        )

    async def mark_read(self, uow: UnitOfWork, user: User, notification_id: int) -> Notification:
        """Mark one notification of the inbox read; one read before keeps its first time."""
        notification = await NotificationRepository(uow).in_inbox(user.id, notification_id)
        if notification is None:
            raise NotFound("No such notification.")
        notification.read_at = notification.read_at or utcnow()
        await uow.session.flush()
        return notification

    async def mark_all_read(self, uow: UnitOfWork, user: User) -> int:
        """Mark every unread notification of the inbox read; how many that was."""
        return await NotificationRepository(uow).mark_all_read(user.id, utcnow())

    async def webhooks(self, uow: UnitOfWork, user: User) -> Sequence[Webhook]:
        return await WebhookRepository(uow).for_owner(user.id)

    async def get_webhook(self, uow: UnitOfWork, user: User, webhook_id: int) -> Webhook:
        webhook = await WebhookRepository(uow).get_for_owner(user.id, webhook_id)
        if webhook is None:
            raise NotFound("No such webhook.")
        return webhook

    async def add_webhook(
        self, uow: UnitOfWork, runtime: Runtime, user: User, body: WebhookCreate
    ) -> tuple[Webhook, str]:
        """Subscribe a URL to events, with a new signing secret (stored sealed); the webhook
        and the secret in plain text, to show once. A URL that resolves to a private, loopback
        or link-local address is refused unless the server allows them; so is a webhook past
        the user's allowance (`max_webhooks_per_user`)."""
        settings = runtime.settings
        url = str(body.url)
        try:
            await check_destination(
                url, allow_private=settings.webhook_allow_private, resolver=runtime.resolver
            )
        except DeliveryError as error:
            raise Unprocessable(str(error), field=("body", "url")) from None
        webhooks = WebhookRepository(uow)
        allowed = settings.max_webhooks_per_user
        if await webhooks.count_for_owner_held(user.id) >= allowed:
            raise Conflict(
                f"You have {allowed} webhooks, the most allowed: remove one to add another."
            )
        secret = new_webhook_secret()
        webhook = Webhook(
            user_id=user.id,
            url=url,
            events=[event.value for event in body.events],
            sealed_secret=runtime.secret_box.seal(secret),
        )
        return await webhooks.add(webhook), secret

    async def reseal_secrets(self, uow: UnitOfWork, box: SecretBox) -> int:
        """Seal every webhook secret that is under a previous key under the current one (after
        a key rotation, before the previous key is dropped); how many were."""
        webhooks = WebhookRepository(uow)
        resealed = 0
        for webhook_id, sealed in await webhooks.all_sealed_secrets():
            if not box.is_current(sealed):
                await webhooks.set_sealed_secret(webhook_id, box.reseal(sealed))
                resealed += 1
        return resealed

    async def delete_webhook(self, uow: UnitOfWork, user: User, webhook_id: int) -> None:
        await WebhookRepository(uow).delete(await self.get_webhook(uow, user, webhook_id))

    async def deliveries(
        self, uow: UnitOfWork, user: User, webhook_id: int, paging: PageParams
    ) -> Page[DeliveryRead]:
        """A page of the deliveries to one of the user's webhooks."""
        await self.get_webhook(uow, user, webhook_id)
        return await DeliveryRepository(uow).for_webhook(
            webhook_id, paging, DeliveryRead.model_validate
        )

    async def retry(self, uow: UnitOfWork, notification_id: int) -> int:
        """Put the notification's dead deliveries back in the queue (for administrators, over
        every user's notifications); how many there were."""
        if not await NotificationRepository(uow).exists(notification_id):
            raise NotFound("No such notification.")
        return await DeliveryRepository(uow).requeue_dead(notification_id, utcnow())

    async def preferences(self, uow: UnitOfWork, user: User) -> NotificationPreferencesRead:
        """Every event (of `Event`, whatever it holds) with the channels it goes out on."""
        chosen = await NotificationPreferenceRepository(uow).for_owner(user.id)
        items = []
        for event in Event:
            channels = chosen.get(event.value)
            items.append(
                NotificationPreferenceRead(
                    event=event,
                    channels=sorted(default_channels(event))
                    if channels is None
                    else [Channel(channel) for channel in channels],
                    default=channels is None,
                )
            )
        return NotificationPreferencesRead(items=items)

    async def set_preferences(
        self, uow: UnitOfWork, user: User, body: NotificationPreferencesWrite
    ) -> NotificationPreferencesRead:
        """Merge: the events named take their channels (`None`: the default again), the others
        keep what they had."""
        repository = NotificationPreferenceRepository(uow)
        chosen = {
            event.value: [channel.value for channel in channels]
            for event, channels in body.preferences.items()
            if channels is not None
        }
        forgotten = [
            event.value for event, channels in body.preferences.items() if channels is None
        ]
        if chosen:
            await repository.choose(user.id, chosen, utcnow())
        if forgotten:
            await repository.forget(user.id, forgotten)
        return await self.preferences(uow, user)


notification_service = NotificationService()
