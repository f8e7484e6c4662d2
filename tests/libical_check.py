"""Run by Debian's python3 (which has python3-gi): parse an iCalendar file
with libical and print its restriction-check problems as JSON lines."""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as fh:
    text = fh.read()
component = ICalGLib.Component.new_from_string(text)
if component is None:
    print(json.dumps({"error": "libical could not parse the file"}))
    sys.exit(1)
component.check_restrictions()
problems = []
child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
queue = [component]
while queue:
    comp = queue.pop()
    prop = comp.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        problems.append(prop.as_ical_string().strip())
        prop = comp.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    sub = comp.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while sub is not None:
        queue.append(sub)
        sub = comp.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
events = 0
sub = component.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
while sub is not None:
    events += 1
    sub = component.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
print(json.dumps({"problems": problems, "events": events}))
