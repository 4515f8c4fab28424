package slackapp

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// A form's answer belongs where the form was opened: someone who opens the
// rate form from #billing reads "Rate set" in #billing, not in a DM they
// are not looking at. Slack tells a view submission nothing of where its
// modal came from, so the kernel writes the channel into every modal's
// private_metadata as it opens it, before whatever the feature keeps
// there, and takes it off again when the submission (or a button in the
// modal) comes back. Features never see the envelope: they read their own
// metadata, and the request's ChannelID is the channel of origin, so Send
// answers there (or by DM when Atlas cannot post there).

// originPrefix marks metadata carrying the channel of origin:
// "origin:C0123|" followed by the feature's own metadata.
const originPrefix = "origin:"

// withOrigin puts channel in front of a view's metadata. Metadata that
// would grow past Slack's limit is left as it is: the answer then goes by DM.
func withOrigin(meta, channel string) string {
	if channel == "" || strings.HasPrefix(meta, originPrefix) {
		return meta
	}
	wrapped := originPrefix + channel + "|" + meta
	if len(wrapped) > blockkit.MaxPrivateMetadata {
		return meta
	}
	return wrapped
}

// splitOrigin takes the channel of origin off a view's metadata.
func splitOrigin(meta string) (channel, rest string) {
	after, ok := strings.CutPrefix(meta, originPrefix)
	if !ok {
		return "", meta
	}
	channel, rest, ok = strings.Cut(after, "|")
	if !ok {
		return "", meta
	}
	return channel, rest
}

// readOrigin unwraps the metadata of the view an interaction came from.
func (r *Request) readOrigin(cb *slack.InteractionCallback) {
	channel, rest := splitOrigin(cb.View.PrivateMetadata)
	if channel == "" {
		return
	}
	cb.View.PrivateMetadata = rest
	if r.ChannelID == "" {
		r.ChannelID = channel
	}
}
