// Package bot is Atlas's Slack face: one Router that both transports (Socket
// Mode and HTTP) feed, the handlers of each feature, and the rules every
// interaction follows — acknowledge within Slack's three seconds, check the
// caller's role, answer bad input with a clear ephemeral message, and never
// let a panic take the process down.
//
// Handlers parse, call an internal service, render with bot/views and reply.
// Block Kit itself lives in bot/views; nothing under internal/ imports bot.
package bot
