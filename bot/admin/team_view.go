package admin

import (
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// TeamMember is one line of the team list.
type TeamMember struct {
	ID            int64
	SlackUserID   string
	Name          string
	RoleTitle     string
	Email         string
	CapacityHours string // weekly, "37.5"
	Active        bool
}

// teamPerMessage is how many people one message lists: a section each,
// inside the 50-block limit with the header and the footer.
const teamPerMessage = blockkit.MaxMessageBlocks - 5

// Team lists the team, active people first, each with an Edit button when
// the caller may edit (admins). A team too large for one message ends in
// "+N more".
func Team(practiceName string, members []TeamMember, canEdit bool) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Team · "+practiceName, blockkit.MaxHeaderText))}
	if len(members) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			"Nobody yet. Add people with `/atlas team add @person role`.", blockkit.MaxSectionText), nil, nil))
	}
	shown := members
	if len(shown) > teamPerMessage {
		shown = shown[:teamPerMessage]
	}
	for _, m := range shown {
		line := fmt.Sprintf("<@%s> · *%s*", m.SlackUserID, m.RoleTitle)
		if m.CapacityHours != "" {
			line += " · " + m.CapacityHours + " h/week"
		}
		if m.Email != "" {
			line += " · " + blockkit.Escape(m.Email)
		}
		if !m.Active {
			line = ":zzz: " + line + " · _inactive_"
		}
		var acc *slack.Accessory
		if canEdit {
			acc = slack.NewAccessory(slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionTeamEdit, m.ID), m.SlackUserID,
				blockkit.Plain("Edit", blockkit.MaxButtonText)))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(line, blockkit.MaxSectionText), nil, acc))
	}
	active := 0
	for _, m := range members {
		if m.Active {
			active++
		}
	}
	note := fmt.Sprintf("%d %s", active, ui.Plural(active, "person", "people"))
	if inactive := len(members) - active; inactive > 0 {
		note += fmt.Sprintf(" · %d inactive", inactive)
	}
	if more := len(members) - len(shown); more > 0 {
		note += fmt.Sprintf(" · +%d more", more)
		if canEdit {
			note += " — `/atlas team edit @person` reaches anyone"
		}
	}
	return append(blocks, slack.NewContextBlock("", blockkit.Markdown(note, blockkit.MaxSectionText)))
}

// Block ids of the team member modal; the same names as the practice
// package's Field* constants, so validation errors land on them.
const (
	TeamMemberRole     = "member_role"
	TeamMemberCapacity = "member_capacity"
	TeamMemberActive   = "member_active"
)

// TeamMemberActiveValue is the value of the modal's "Active" checkbox.
const TeamMemberActiveValue = "active"

// TeamMemberMeta travels in the team member modal's private_metadata.
type TeamMemberMeta struct {
	ID int64 `json:"id"`
}

// TeamMemberForm pre-fills the team member modal.
type TeamMemberForm struct {
	ID            int64
	SlackUserID   string
	Name          string
	Role          string            // the role's value
	Roles         []blockkit.Option // every role, weakest first
	CapacityHours string
	Active        bool
}

// TeamMemberModal edits a team member's role, weekly capacity and whether
// they are active.
func TeamMemberModal(f TeamMemberForm) slack.ModalViewRequest {
	meta, _ := json.Marshal(TeamMemberMeta{ID: f.ID})
	var active []string
	if f.Active {
		active = []string{TeamMemberActiveValue}
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("<@%s> · %s", f.SlackUserID, blockkit.Escape(f.Name)), 0), nil, nil),
		blockkit.StaticSelect(TeamMemberRole, "Role", f.Roles, f.Role, false),
		blockkit.TextInput(TeamMemberCapacity, "Weekly capacity (hours)", "Hours a week they can take on, 0 to 168, such as 37.5. Used to plan work.",
			f.CapacityHours, "37.5", 6, false),
	}
	blocks = append(blocks, blockkit.Checkboxes(TeamMemberActive, "Status",
		[]blockkit.Option{{Value: TeamMemberActiveValue, Label: "Active: can use Atlas and be given work"}}, active)...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTeamMember, PrivateMetadata: string(meta),
		Title:  blockkit.Plain("Edit team member", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
