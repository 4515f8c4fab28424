// Package views builds Atlas's Block Kit: pure functions from plain data to
// messages, modals and the App Home tab. Nothing here talks to Slack or the
// database, so every view is tested against a golden JSON file and Slack's
// limits (see bot/blockkit).
//
// Builders never produce an invalid view: long lists page or end in "+N
// more", long text is cut at a rune boundary.
package views
