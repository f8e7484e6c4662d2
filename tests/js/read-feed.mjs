// Reads an iCalendar file with Mozilla's ical.js and prints what it found
// as JSON: the calendar name and each event's UID, SUMMARY, DTSTART and
// whether it recurs. Exits non-zero if ical.js cannot parse it.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const component = new ICAL.Component(ICAL.parse(text));
const events = component.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    start: event.startDate.toString(),
    recurring: event.isRecurring(),
    sequence: event.sequence,
  };
});
console.log(JSON.stringify({ name: component.getFirstPropertyValue("x-wr-calname"), events }));
