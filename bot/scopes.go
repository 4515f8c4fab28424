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
	// (url_private_download). Atlas never lists or reads other files.
	"files:read":       "reading and downloading the files a person saves to a client's documents or attaches to a pack (files.info, url_private_download)",
	"users:read":       "names of team members (users.info)",
	"users:read.email": "email addresses of team members (users.info)",
}
