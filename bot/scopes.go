package bot

// Scopes are the bot token scopes Atlas needs, each for a reason; the
// manifest must ask for exactly these (a test holds them together).
var Scopes = map[string]string{
	"commands":    "slash commands",
	"chat:write":  "posting and updating messages, ephemeral answers",
	"im:write":    "opening a DM to tell a person something (conversations.open)",
	"files:write": "uploading invoice PDFs, statements, charts and CSV exports (files.getUploadURLExternal)",
	// files:read is for "Save to client documents" and the task window's
	// "Attach a file": it reads the files a person hands Atlas there
	// (files.info) and downloads their bytes with the bot token
	// (url_private_download). After a crash it also asks files.info about
	// the one file it had reserved for an upload, to see whether it was
	// shared before the crash. Atlas never reads other files.
	"files:read": "reading and downloading the files a person saves to a client's documents or attaches to a pack (files.info, url_private_download); checking its own upload after a crash, so none goes twice (files.info)",
	// The history scopes are for one thing: after a worker was killed
	// between Slack taking a post and Atlas recording it, the retry reads
	// back from the moment it began sending, to find its own message by
	// its metadata and not post it twice. Atlas never reads people's
	// messages: it takes only a message that is its own and names the post.
	"channels:history": "finding Atlas's own message in a public channel after a crash, so it is never posted twice (conversations.history, conversations.replies); never to read people's messages",
	"groups:history":   "finding Atlas's own message in a private channel after a crash, so it is never posted twice (conversations.history, conversations.replies); never to read people's messages",
	"im:history":       "finding Atlas's own message in a DM after a crash, so it is never posted twice (conversations.history, conversations.replies); never to read people's messages",
	"users:read":       "names of team members (users.info)",
	"users:read.email": "email addresses of team members (users.info)",
}
