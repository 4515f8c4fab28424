// Package timeparse reads what people type into `/log` and `/timer`:
// durations, work dates and the whole `/log` line.
//
// It is pure Go with no database: the caller passes today's date (in the
// practice's time zone) and a function that says which words are services,
// so every rule here can be tested with a fixed calendar.
//
// Every error is an atlas.EInvalid whose message names what was wrong and
// shows the right form, because the message goes straight back to the
// person in Slack and is the only help they get.
package timeparse
