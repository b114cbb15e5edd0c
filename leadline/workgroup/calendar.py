"""The workgroup's meetings as an iCalendar feed (RFC 5545) with the `icalendar` library: one VEVENT per
meeting (a cancelled one stays, STATUS:CANCELLED, so calendars remove it), its time, place and a link to
the meeting page — never a participant, an agenda item or the minutes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from leadline.core import clock
from leadline.sites.models import Site
from leadline.workgroup.models import Meeting

STATUS = {
    Meeting.Status.SCHEDULED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def meetings_ics() -> bytes:

    site = Site.objects.first()
    name = f"{site.name if site else 'LEAD'} — operational workgroup"
    cal = Calendar()
    cal.add("prodid", "-//Leadline//Operational workgroup//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    since = clock.now() - timedelta(days=90)
    for meeting in Meeting.objects.filter(ends_at__gte=since).order_by("starts_at"):
        event = Event()
        event.add("uid", f"{meeting.uid}@leadline")
        event.add("dtstamp", meeting.created_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", name)
        event.add("location", meeting.place)
        event.add("status", STATUS[Meeting.Status(meeting.status)])
        event.add("sequence", meeting.version)
        event.add("url", settings.LEADLINE_PUBLIC_URL + reverse("workgroup:meeting", args=[meeting.pk]))
        cal.add_component(event)
    return cal.to_ical()
