"""``duban feeds``: calendar feeds and their links."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from duban.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    app,
    engine_of,
    fail,
    group,
    group_config,
    say,
    settings_of,
    utc_now,
)

feeds_app = group("Calendar feeds and their links.", listing=True)
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback()
def feeds_list(ctx: typer.Context, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Every feed as https:// and webcal:// links."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = config  # "duban feeds -c X token S": the subcommand's configuration too
        return
    from urllib.parse import quote

    from sqlmodel import col, select

    from duban.web import feed_links
    from scheduler.db import session
    from scheduler.models import FeedToken, MilestoneOwner, Plan

    settings = settings_of(config)
    engine = engine_of(settings)
    base = settings.duban.delivery.base_url
    links = [("全部事项", "/feeds/all.ics")]
    with session(engine) as s:
        links += [(p.title, f"/feeds/plans/{quote(p.id)}.ics") for p in s.exec(select(Plan).order_by(col(Plan.id)))]
        units = sorted({o.unit for o in s.exec(select(MilestoneOwner))})
        links += [(unit, f"/feeds/owners/{quote(unit)}.ics") for unit in units]
        tokens = s.exec(select(FeedToken).where(col(FeedToken.revoked_at).is_(None))).all()
        links += [(f"personal: {t.subscription_id}", f"/feeds/personal/{t.token}.ics") for t in tokens]
    # One feed a block, its links whole on their own lines: a table would
    # break them at the terminal's width and they could not be copied.
    for name, path in links:
        urls = feed_links(base, path)
        sys.stdout.write(f"{name}\n  {urls['https']}\n  {urls['webcal']}\n")


@feeds_app.command("token")
def feeds_token(
    ctx: typer.Context,
    subscriber: Annotated[str, typer.Argument(help="A subscriber id (plan:n or its id)")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Make a personal feed for a subscriber behind a new unguessable token;
    print its links (the token is the last part of the path)."""
    from duban.web import feed_links, new_token
    from scheduler.db import session
    from scheduler.models import FeedToken, Subscription

    settings = settings_of(group_config(ctx, config))
    engine = engine_of(settings)
    with session(engine) as s:
        if s.get(Subscription, subscriber) is None:
            raise fail(f"no subscriber {subscriber!r} (run duban plans import first)", 1)
        token = FeedToken(token=new_token(), subscription_id=subscriber, created_at=utc_now())
        s.add(token)
        s.commit()
        urls = feed_links(settings.duban.delivery.base_url, f"/feeds/personal/{token.token}.ics")
        sys.stdout.write(f"{urls['https']}\n{urls['webcal']}\n")


@feeds_app.command("revoke")
def feeds_revoke(
    ctx: typer.Context, token: Annotated[str, typer.Argument()], config: ConfigOption = DEFAULT_CONFIG
) -> None:
    """Revoke a personal feed token (or its URL): its URL answers 404 from now on."""
    from scheduler.db import session
    from scheduler.models import FeedToken

    token = token.rsplit("/", 1)[-1].removesuffix(".ics")
    engine = engine_of(settings_of(group_config(ctx, config)))
    with session(engine) as s:
        row = s.get(FeedToken, token)
        if row is None:
            raise fail("no such token", 1)
        row.revoked_at = utc_now()
        s.commit()
    say("revoked")
