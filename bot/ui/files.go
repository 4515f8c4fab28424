package ui

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

// errTooLarge stops a download at the cap.
var errTooLarge = errors.New("the file is larger than the cap")

// capped collects a download up to limit bytes; one byte more fails it.
// (Not an embedded bytes.Buffer: its ReadFrom would let io.Copy past the
// cap.)
type capped struct {
	buf   []byte
	limit int64
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(c.buf)+len(p)) > c.limit {
		return 0, errTooLarge
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// FetchFile reads a file's name with files.info, then downloads its bytes
// from its url_private_download with the bot token, up to limit. A file
// Slack will not give, kept outside Slack, or over the cap is an
// *atlas.Error (EInvalid) saying so; anything else is a fault. "Save to
// client documents" (bot/portal) and the task window's Attach a file
// (bot/tasks) both fetch with it.
func FetchFile(ctx context.Context, api *slack.Client, id string, limit int64) (string, []byte, error) {
	f, _, _, err := api.GetFileInfoContext(ctx, id, 0, 0)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "", nil, atlas.Errorf(atlas.EInvalid, "A file of the message could not be read from Slack (%v): it may have been deleted, or be in a conversation Atlas is not in (invite @Atlas there).", err)
		}
		return "", nil, fmt.Errorf("files.info %s: %w", id, err)
	}
	name := f.Name
	if name == "" {
		name = f.Title
	}
	switch {
	case f.IsExternal:
		return "", nil, atlas.Errorf(atlas.EInvalid, "%s is kept outside Slack (%s), so Atlas cannot fetch it: download it and attach the file itself.",
			name, f.ExternalType)
	case int64(f.Size) > limit:
		return "", nil, portal.FileTooLarge(portal.CleanName(name), limit)
	}
	url := f.URLPrivateDownload
	if url == "" {
		url = f.URLPrivate
	}
	c := &capped{limit: limit}
	if err := api.GetFileContext(ctx, url, c); err != nil {
		if errors.Is(err, errTooLarge) {
			return "", nil, portal.FileTooLarge(portal.CleanName(name), limit)
		}
		return "", nil, atlas.Errorf(atlas.EInvalid, "%s could not be downloaded from Slack (%v). Try again in a minute.", name, err)
	}
	return name, c.buf, nil
}
