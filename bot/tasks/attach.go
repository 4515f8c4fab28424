package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// askAttach pushes the form that attaches the practice's files to the
// pack; someone who may not attach them, or a pack delivered, is told so
// in the window instead.
func (h handlers) askAttach(ctx context.Context, r *slackapp.Request) error {
	id, err := h.taskID(r)
	if err != nil {
		return err
	}
	t, err := h.Work.Task(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	if err := attachRefusal(t, r); err != nil {
		return h.refused(ctx, r, id, err)
	}
	return h.askTask(ctx, r, TaskAttachModal)
}

// attachRefusal is why r's member may not attach files to t, or nil.
func attachRefusal(t workflow.Task, r *slackapp.Request) error {
	switch {
	case r.Member == nil || !t.MayMove(*r.Member):
		return atlas.Errorf(atlas.EForbidden, "Only the preparer (%s), the reviewer (%s), the client's manager or a partner can attach files to the pack.",
			t.PreparerName, t.ReviewerName)
	case t.CompletedAt != nil:
		return atlas.Errorf(atlas.EConflict, "The pack has been delivered, so what it holds cannot change.")
	}
	return nil
}

// attached is what one Attach did: the files kept, those refused.
type attached struct {
	Saved   []portal.SavedFile
	Refused []string
	InPack  bool
}

// submitAttach checks the form, closes it (back to the window), then
// fetches each file from Slack and keeps it among the client's
// documents of the pack's month with the pack, marked part of the pack
// if asked: each file in one transaction, so a file is kept and marked
// or not at all. The window is redrawn with what was attached and what
// was not.
func (h handlers) submitAttach(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	ids := r.Files(TaskAttachFiles)
	if len(ids) == 0 {
		return atlas.FieldError(TaskAttachFiles, "Attach at least one file.")
	}
	if len(ids) > TaskAttachMaxFiles {
		ids = ids[:TaskAttachMaxFiles]
	}
	t, err := h.Work.Task(ctx, r.Practice.ID, meta.TaskID)
	if err != nil {
		return onField(TaskAttachFiles, err)
	}
	if err := attachRefusal(t, r); err != nil {
		return onField(TaskAttachFiles, err)
	}
	// The form closes now: fetching the files may take longer than Slack
	// waits for an answer to it.
	r.Ack(nil)

	limit := h.MaxFileBytes
	if limit <= 0 {
		limit = portal.MaxFileBytes
	}
	blobs := h.Blobs
	if blobs == nil {
		blobs = portal.PGBlobs{}
	}
	res := attached{InPack: slices.Contains(r.Values(TaskAttachInPack), TaskAttachInPackValue)}
	for _, id := range ids {
		name, data, err := ui.FetchFile(ctx, r.API, id, limit)
		if msg, ok := refusal(err); ok {
			res.Refused = append(res.Refused, msg)
			continue
		}
		if err != nil {
			return err
		}
		var s portal.SavedFile
		err = db.InTx(ctx, h.Work.DB, func(tx pgx.Tx) error {
			var err error
			s, err = portal.SavePracticeFile(ctx, tx, blobs, r.Practice.ID, portal.PracticeFile{EntityID: t.EntityID, Period: &t.Period,
				TaskID: t.ID, MemberID: r.Member.ID, Name: name, Data: data, MaxBytes: limit}, r.Now())
			if err != nil {
				return err
			}
			if s.TaskID != t.ID {
				// The same file was kept for the month before, with no pack
				// or another one.
				return atlas.Errorf(atlas.EInvalid, "%s is already among %s's documents for %s, but not with this pack, so it was not attached.",
					s.Name, t.EntityCode, t.Period.Label())
			}
			if !res.InPack {
				return nil
			}
			_, err = queries.SetInPack(ctx, tx, r.Practice, *r.Member, s.ID, true)
			return err
		})
		if msg, ok := refusal(err); ok {
			res.Refused = append(res.Refused, msg)
			continue
		}
		if err != nil {
			return err
		}
		res.Saved = append(res.Saved, s)
	}

	notice := AttachedNotice(res.Saved, res.Refused, res.InPack)
	if meta.Parent == "" {
		return r.Send(ctx, slackapp.Text(notice))
	}
	if t, err = h.Work.Task(ctx, r.Practice.ID, t.ID); err != nil {
		r.Log().Warn("task not read after attaching files", "task", meta.TaskID, "err", err)
		return r.Send(ctx, slackapp.Text(notice))
	}
	h.redrawParent(ctx, r, meta, t, notice)
	return nil
}

// refusal is the message of a file refused for what it is (too large, of
// a kind not taken, not to be fetched, the pack no longer open to it),
// rather than a fault.
func refusal(err error) (string, bool) {
	switch atlas.ErrorCode(err) {
	case atlas.EInvalid, atlas.EForbidden, atlas.EConflict, atlas.ENotFound:
		return atlas.ErrorMessage(err), true
	}
	return "", false
}

// AttachedNotice says what Attach a file kept with the pack and what it
// refused, and why.
func AttachedNotice(saved []portal.SavedFile, refused []string, inPack bool) string {
	var lines []string
	if n := len(saved); n > 0 {
		names := make([]string, n)
		for i, s := range saved {
			names[i] = truncateEscaped(blockkit.Escape(s.Name), taskFileName)
		}
		line := fmt.Sprintf(":paperclip: Attached %d %s to the pack: %s.", n, ui.Plural(n, "file", "files"), strings.Join(names, ", "))
		if inPack {
			line += " Marked part of the pack for the client."
		} else {
			line += " Not part of the pack for the client: mark them below to deliver them."
		}
		lines = append(lines, line)
	} else {
		lines = append(lines, ":warning: Nothing was attached to the pack.")
	}
	for _, msg := range refused {
		lines = append(lines, ":x: "+blockkit.Escape(msg))
	}
	return blockkit.Truncate(strings.Join(lines, "\n"), blockkit.MaxSectionText)
}
