package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// home publishes the App Home tab for the person who opened it.
func home(ctx context.Context, r *Request) error {
	if r.UserID == "" {
		return nil
	}
	store := practice.Store{DB: r.router.DB}
	d := views.HomeData{PracticeName: r.Practice.Name, PracticeSetUp: r.Practice.SetUp()}
	team, err := store.Members(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	d.TeamSize = len(team)
	for _, m := range team {
		if m.Role == atlas.RoleAdmin {
			d.Admins = append(d.Admins, string(m.SlackUserID))
		}
	}
	if m := r.Member; m != nil {
		d.PersonName, d.RoleTitle, d.IsAdmin = m.Name, m.Role.Title(), m.Role == atlas.RoleAdmin
	}
	if r.Member != nil && r.Practice.SetUp() {
		if d.Time, err = homeTime(ctx, r); err != nil {
			return err
		}
	}
	if _, err := r.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: r.UserID, View: views.Home(d)}); err != nil {
		return fmt.Errorf("publish home for %s: %w", r.UserID, err)
	}
	return nil
}
