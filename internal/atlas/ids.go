package atlas

// PracticeID identifies a practice. It is the Slack workspace (team) id, so
// one database can serve many workspaces.
type PracticeID string

// SlackUserID is a Slack user id such as U012AB3CD.
type SlackUserID string

// MemberID identifies a team member within the database.
type MemberID int64
