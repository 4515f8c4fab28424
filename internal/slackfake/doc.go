// Package slackfake is a stand-in for Slack that Go tests can run in-process.
//
// It speaks Slack's real wire protocols rather than mocking slack-go's types, so
// the bot under test uses its production code paths unchanged: a slack.Client
// pointed at the fake with slack.OptionAPIURL(fake.APIURL()) talks to the Web API
// over HTTP, and a socketmode.Client built from that client opens a Socket Mode
// connection through apps.connections.open and a real websocket. Tests then drive
// the bot the way Slack would (slash commands, interactions, Events API callbacks,
// disconnects, 429s) and assert on what the bot sent back (recorded Web API calls,
// envelope acks, response_url posts, uploaded file bytes).
//
// The fake is deliberately lenient about references it did not create itself (a
// chat.update for a ts it never issued, a views.update for an unknown view_id, a
// trigger_id the test made up): tests often craft payloads by hand, and the point
// is to exercise the bot, not to re-implement Slack's database. It is strict about
// protocol shape and tokens, because those are what break in production.
//
// All waiting helpers (WaitForCall, Envelope.WaitAck, WaitForConnections, Hold.Wait, ...)
// block on change notifications with a deadline; none of them poll or sleep. They
// call t.Fatalf on timeout, so call them from the test goroutine.
package slackfake
