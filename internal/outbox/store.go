package outbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/db"
)

// Store is the bookkeeping of the outbox's delivery: each channel's queue
// of posts (slack_channel_queues), the posts being sent
// (slack_post_intents) and where each message went (slack_posts). The
// workers that send the outbox's jobs keep it through a Store, and run no
// SQL of their own.
type Store struct{ DB db.DB }

// Turn is where a channel's queue stands for one post.
type Turn struct {
	Done int64         // the last post sent or given up
	Wait time.Duration // until the channel may take the next post
	// Idle is how long the channel has been free to take a post without
	// sending one: since the pause after its last message ended (forever
	// for a channel that never sent one).
	Idle time.Duration
}

// Copy is one message Atlas posted about a subject.
type Copy struct {
	Channel string
	TS      string
}

// LaterUpdate reports whether an update with the same arguments as the job
// jobID (args, as River encoded them) is queued or running after it.
func (s Store) LaterUpdate(ctx context.Context, jobID int64, args []byte) (bool, error) {
	var later bool
	if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job
		WHERE kind = 'slack_update' AND id > $1 AND state IN ('available', 'scheduled', 'pending', 'running', 'retryable') AND args = $2::jsonb)`,
		jobID, args).Scan(&later); err != nil {
		return false, fmt.Errorf("outbox: look for a later update: %w", err)
	}
	return later, nil
}

// TurnOf reads p's channel queue. A channel with no queue never had a post
// queued: its turn is p's own, done.
func (s Store) TurnOf(ctx context.Context, p Post) (Turn, error) {
	var t Turn
	var waitMicros int64
	var idleMicros *int64 // NULL for a channel that never sent a post
	err := s.DB.QueryRow(ctx, `
		SELECT done_seq, (extract(epoch FROM greatest(next_at, clock_timestamp()) - clock_timestamp()) * 1000000)::bigint,
		       CASE WHEN isfinite(next_at) THEN (extract(epoch FROM greatest(clock_timestamp() - next_at, '0')) * 1000000)::bigint END
		FROM slack_channel_queues WHERE practice_id = $1 AND channel = $2`, p.Practice, p.Channel).
		Scan(&t.Done, &waitMicros, &idleMicros)
	if errors.Is(err, pgx.ErrNoRows) {
		return Turn{Done: p.Seq}, nil
	}
	if err != nil {
		return Turn{}, fmt.Errorf("outbox: read the queue of %s: %w", p.Channel, err)
	}
	t.Wait = time.Duration(waitMicros) * time.Microsecond
	t.Idle = time.Duration(math.MaxInt64)
	if idleMicros != nil {
		t.Idle = time.Duration(*idleMicros) * time.Microsecond
	}
	return t, nil
}

// SkipLost moves p's channel queue, which stands at done, past posts that
// will never come (their jobs were deleted by hand, say) and reports
// whether it did. A post's job is inserted in the transaction that numbers
// it, so a number without a live job is never coming.
func (s Store) SkipLost(ctx context.Context, p Post, done int64) (bool, error) {
	tag, err := s.DB.Exec(ctx, `
		UPDATE slack_channel_queues q SET done_seq = $3 - 1
		WHERE q.practice_id = $1 AND q.channel = $2 AND q.done_seq = $4
		  AND NOT EXISTS (
			SELECT 1 FROM river_job j
			WHERE j.kind = 'slack_post' AND j.state NOT IN ('completed', 'discarded', 'cancelled')
			  AND j.args @> jsonb_build_object('practice', $1::text, 'channel', $2::text)
			  AND (j.args->>'seq')::bigint > $4 AND (j.args->>'seq')::bigint < $3)`,
		p.Practice, p.Channel, p.Seq, done)
	if err != nil {
		return false, fmt.Errorf("outbox: look for lost posts in %s: %w", p.Channel, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Hold keeps p's channel from taking another post for wait (Slack's
// Retry-After), from the database's clock.
func (s Store) Hold(ctx context.Context, p Post, wait time.Duration) error {
	if _, err := s.DB.Exec(ctx, `
		UPDATE slack_channel_queues SET next_at = clock_timestamp() + $3 * interval '1 microsecond'
		WHERE practice_id = $1 AND channel = $2`, p.Practice, p.Channel, wait.Microseconds()); err != nil {
		return fmt.Errorf("outbox: hold %s for Slack's rate limit: %w", p.Channel, err)
	}
	return nil
}

// Intent is an attempt to send a post whose message was never recorded:
// it may have reached Slack.
type Intent struct {
	// Since is when the latest attempt began, by the database's clock.
	Since time.Time
	// FileID is the file an upload's latest attempt had Slack reserve, once
	// its bytes were up and before it was shared; "" for a message, and for
	// an upload that got no further.
	FileID string
}

// Intent reports the attempt to send p to channel that began and was
// never recorded, if there is one: that attempt may have posted it.
func (s Store) Intent(ctx context.Context, p Post, channel string) (Intent, bool, error) {
	var in Intent
	var fileID *string
	err := s.DB.QueryRow(ctx, `
		SELECT since, file_id FROM slack_post_intents
		WHERE practice_id = $1 AND purpose = $2 AND subject_type = $3 AND subject_id = $4 AND channel = $5`,
		p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel).Scan(&in.Since, &fileID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Intent{}, false, nil
	}
	if err != nil {
		return Intent{}, false, fmt.Errorf("outbox: read the intent of a post in %s: %w", channel, err)
	}
	if fileID != nil {
		in.FileID = *fileID
	}
	return in, true, nil
}

// Intend commits, before p is sent to channel, that it is being sent from
// now on by the database's clock. An earlier attempt's intent is moved to
// now and forgets its file: the caller has looked for that attempt's
// message, or file, and found it gone, so a later search need only start
// here, and must not find that file again.
func (s Store) Intend(ctx context.Context, p Post, channel string) error {
	if _, err := s.DB.Exec(ctx, `
		INSERT INTO slack_post_intents (practice_id, purpose, subject_type, subject_id, channel, since)
		VALUES ($1, $2, $3, $4, $5, clock_timestamp())
		ON CONFLICT (practice_id, purpose, subject_type, subject_id, channel) DO UPDATE SET since = excluded.since, file_id = NULL`,
		p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel); err != nil {
		return fmt.Errorf("outbox: note the intent of a post in %s: %w", channel, err)
	}
	return nil
}

// IntendFile notes, in p's intent in channel, the file its upload had
// Slack reserve, before the file is shared: a retry then asks Slack about
// that file, and shares it or adopts it, rather than upload another. It
// fails if p has no intent there (Intend comes first), for then a retry
// would not know of the file.
func (s Store) IntendFile(ctx context.Context, p Post, channel, fileID string) error {
	tag, err := s.DB.Exec(ctx, `
		UPDATE slack_post_intents SET file_id = $6
		WHERE practice_id = $1 AND purpose = $2 AND subject_type = $3 AND subject_id = $4 AND channel = $5`,
		p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel, fileID)
	if err == nil && tag.RowsAffected() == 0 {
		err = errors.New("no intent")
	}
	if err != nil {
		return fmt.Errorf("outbox: note the file of an upload to %s: %w", channel, err)
	}
	return nil
}

// Record notes, in one transaction, that p went to channel as the message
// ts (which settles its intent), and hands p's channel to the next post,
// which may go interval after now by the database's clock.
func (s Store) Record(ctx context.Context, p Post, channel, ts string, interval time.Duration) error {
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO slack_posts (practice_id, purpose, subject_type, subject_id, channel, ts)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (practice_id, purpose, subject_type, subject_id, channel) DO UPDATE SET ts = excluded.ts`,
			p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel, ts); err != nil {
			return err
		}
		if err := dropIntent(ctx, tx, p, channel); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			UPDATE slack_channel_queues SET done_seq = $3, next_at = clock_timestamp() + $4 * interval '1 microsecond'
			WHERE practice_id = $1 AND channel = $2 AND done_seq = $3 - 1`,
			p.Practice, p.Channel, p.Seq, interval.Microseconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: record a post in %s: %w", channel, err)
	}
	return nil
}

// dropIntent deletes p's intent in channel, if any: the post is recorded
// or given up, so no later attempt is to look for it.
func dropIntent(ctx context.Context, tx pgx.Tx, p Post, channel string) error {
	_, err := tx.Exec(ctx, `
		DELETE FROM slack_post_intents
		WHERE practice_id = $1 AND purpose = $2 AND subject_type = $3 AND subject_id = $4 AND channel = $5`,
		p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel)
	return err
}

// GiveUp moves p's channel queue past p, which will never be sent, and
// drops its intent in channel (where it was being sent: a person's DM
// channel, not their user id), if any. Left behind, the intent would meet
// the next post of the same subject there, which would look for messages
// from long before it or, for an upload, share this attempt's file.
func (s Store) GiveUp(ctx context.Context, p Post, channel string) error {
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		if err := dropIntent(ctx, tx, p, channel); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			UPDATE slack_channel_queues SET done_seq = $3
			WHERE practice_id = $1 AND channel = $2 AND done_seq = $3 - 1`, p.Practice, p.Channel, p.Seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: give up a post in %s: %w", p.Channel, err)
	}
	return nil
}

// Copies are the messages (not the files) Atlas posted about u's subject,
// in the order they were first posted.
func (s Store) Copies(ctx context.Context, u Update) ([]Copy, error) {
	rows, err := s.DB.Query(ctx, `
		SELECT channel, ts FROM slack_posts
		WHERE practice_id = $1 AND subject_type = $2 AND subject_id = $3 AND purpose = $4 AND ts NOT LIKE 'file:%'
		ORDER BY id`, u.Practice, u.Subject.Type, u.Subject.ID, u.Subject.Purpose)
	if err != nil {
		return nil, fmt.Errorf("outbox: find the copies of %s %d: %w", u.Subject.Type, u.Subject.ID, err)
	}
	copies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Copy, error) {
		var c Copy
		return c, r.Scan(&c.Channel, &c.TS)
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: find the copies of %s %d: %w", u.Subject.Type, u.Subject.ID, err)
	}
	return copies, nil
}

// PostedTS is the ts of Atlas's message about subject in channel, or "".
func (s Store) PostedTS(ctx context.Context, practice string, subject Subject, channel string) (string, error) {
	var ts string
	err := s.DB.QueryRow(ctx, `
		SELECT ts FROM slack_posts
		WHERE practice_id = $1 AND purpose = $2 AND subject_type = $3 AND subject_id = $4 AND channel = $5`,
		practice, subject.Purpose, subject.Type, subject.ID, channel).Scan(&ts)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("outbox: find the post about %s %d: %w", subject.Type, subject.ID, err)
	}
	return ts, nil
}
