package portal

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// PracticeFile is a file of the practice's own to keep among a client's
// documents: one a member saved from Slack ("Save to client's
// documents"), say.
type PracticeFile struct {
	EntityID int64
	Period   *atlas.Period // the month it is filed under; nil: none
	// TaskID is the pack it belongs to; 0: the client's pack of Period,
	// if it has one (the first made, if it has several).
	TaskID   int64
	MemberID atlas.MemberID // who saved it
	Name     string         // as the sender named it; cleaned (CleanName)
	Data     []byte
	// MaxBytes caps the file; 0: MaxFileBytes, as the portal's uploads.
	MaxBytes int64
}

// SavedFile is a practice's file as it was kept.
type SavedFile struct {
	ID          int64
	Name        string // the cleaned name it is kept under
	ContentType string // sniffed, as the portal's uploads
	Size        int64
	TaskID      int64 // the pack it was linked to; 0 none
	// Already: the same file (name and bytes) was among the client's
	// documents of the month, so nothing new was kept; ID is that one's.
	Already bool
}

// SavePracticeFile keeps f among its client's documents, in tx: its bytes
// in blobs, a documents row of source 'practice' naming the member. It
// takes what the portal takes from clients, on the same terms: the same
// kinds of file (sniffed and matched to the name's extension), the same
// cap on one file, and within the practice's per-client quota. A file
// refused is an *atlas.Error (EInvalid) whose message says why, naming
// the file; nothing is kept. The same file saved again for the month (a
// retried submission, a second click) is not kept twice: its first copy
// is returned, Already set.
func SavePracticeFile(ctx context.Context, tx pgx.Tx, blobs Blobs, pid atlas.PracticeID, f PracticeFile, now time.Time) (SavedFile, error) {
	name := CleanName(f.Name)
	limit := f.MaxBytes
	if limit <= 0 {
		limit = MaxFileBytes
	}
	n := int64(len(f.Data))
	switch {
	case n > limit:
		return SavedFile{}, FileTooLarge(name, limit)
	case n == 0:
		return SavedFile{}, atlas.Errorf(atlas.EInvalid, "%s is empty, so it was not saved.", name)
	}
	ct, ok := sniffType(name, f.Data)
	if !ok {
		return SavedFile{}, atlas.Errorf(atlas.EInvalid, "%s is not a kind of file Atlas keeps among a client's documents: "+
			"it takes %s files.", name, AllowedKinds())
	}

	var start *time.Time
	if f.Period != nil {
		d := f.Period.FirstDay()
		start = &d
	}
	task, err := practiceFileTask(ctx, tx, pid, f, start)
	if err != nil {
		return SavedFile{}, err
	}

	// The quota is the client's, whoever sends: one writer at a time, as
	// the portal's uploads hold it.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7041))`,
		fmt.Sprintf("portal-quota:%s:%d", pid, f.EntityID)); err != nil {
		return SavedFile{}, err
	}
	sum := sha256.Sum256(f.Data)
	var have SavedFile
	var haveTask *int64
	err = tx.QueryRow(ctx, `SELECT id, task_id FROM documents WHERE practice_id = $1 AND entity_id = $2
		AND period IS NOT DISTINCT FROM $3::date AND file_name = $4 AND sha256 = $5 ORDER BY id LIMIT 1`,
		pid, f.EntityID, start, name, sum[:]).Scan(&have.ID, &haveTask)
	switch {
	case err == nil:
		have.Name, have.ContentType, have.Size, have.Already = name, ct, n, true
		if haveTask != nil {
			have.TaskID = *haveTask
		}
		return have, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return SavedFile{}, fmt.Errorf("portal: look for the same document: %w", err)
	}
	var used, quota int64
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT sum(size) FROM documents WHERE practice_id = $1 AND entity_id = $2), 0)::bigint,
		p.upload_quota_bytes FROM practices p WHERE p.id = $1`, pid, f.EntityID).Scan(&used, &quota); err != nil {
		return SavedFile{}, fmt.Errorf("portal: read the quota: %w", err)
	}
	if used+n > quota {
		return SavedFile{}, atlas.Errorf(atlas.EInvalid, "%s was not saved: the client's documents have used all the space kept for them (%s).",
			name, humanBytes(quota))
	}

	key := newStorageKey()
	if err := blobs.Put(ctx, tx, key, f.Data); err != nil {
		return SavedFile{}, err
	}
	var taskArg any
	if task != 0 {
		taskArg = task
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, source, member_id,
			file_name, content_type, size, sha256, storage_key, uploaded_at)
		VALUES ($1, $2, $3, $4, 'practice', $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		pid, f.EntityID, start, taskArg, int64(f.MemberID), name, ct, n, sum[:], key, now).Scan(&id); err != nil {
		return SavedFile{}, fmt.Errorf("portal: record a practice's document: %w", err)
	}
	return SavedFile{ID: id, Name: name, ContentType: ct, Size: n, TaskID: task}, nil
}

// practiceFileTask is the pack f is linked to: the one it names, which
// must be its client's of its month, or else the client's pack of the
// month, if any.
func practiceFileTask(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, f PracticeFile, start *time.Time) (int64, error) {
	if f.TaskID != 0 {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT true FROM tasks WHERE practice_id = $1 AND id = $2 AND entity_id = $3
			AND ($4::date IS NULL OR period = $4)`, pid, f.TaskID, f.EntityID, start).Scan(&ok)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, atlas.Errorf(atlas.EInvalid, "That pack is not the client's for that month.")
		}
		if err != nil {
			return 0, fmt.Errorf("portal: read a pack: %w", err)
		}
		return f.TaskID, nil
	}
	if start == nil {
		return 0, nil
	}
	var task int64
	err := tx.QueryRow(ctx, `SELECT id FROM tasks WHERE practice_id = $1 AND entity_id = $2 AND period = $3 ORDER BY id LIMIT 1`,
		pid, f.EntityID, *start).Scan(&task)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("portal: find the client's pack: %w", err)
	}
	return task, nil
}

// FileTooLarge is the refusal of a file over limit, naming it.
func FileTooLarge(name string, limit int64) *atlas.Error {
	return atlas.Errorf(atlas.EInvalid, "%s is larger than %s, the most Atlas keeps in one file, so it was not saved.", name, humanBytes(limit))
}
