package slackapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"
)

// OpenModal opens a modal (pushes one, from inside a modal) on the
// request's trigger, which lives three seconds, so call it before any slow
// work; then it acknowledges.
func (r *Request) OpenModal(v slack.ModalViewRequest) error {
	if r.TriggerID == "" {
		return fmt.Errorf("open modal %s: the request has no trigger_id", v.CallbackID)
	}
	v.PrivateMetadata = withOrigin(v.PrivateMetadata, r.ChannelID)
	var err error
	if r.Interaction != nil && r.Interaction.View.Type == slack.VTModal {
		// A button inside a modal (the task's Log time) stacks the new
		// modal on it, so closing it returns to where the person was.
		_, err = r.API.PushViewContext(r.ctx, r.TriggerID, v)
	} else {
		_, err = r.API.OpenViewContext(r.ctx, r.TriggerID, v)
	}
	r.Ack(nil)
	if err != nil {
		return fmt.Errorf("open modal %s: %w", v.CallbackID, err)
	}
	return nil
}

// UpdateModal answers a view submission by replacing the modal.
func (r *Request) UpdateModal(v slack.ModalViewRequest) {
	v.PrivateMetadata = withOrigin(v.PrivateMetadata, r.ChannelID)
	r.Ack(slack.NewUpdateViewSubmissionResponse(&v))
}

// UpdateView redraws an open modal in place (from a button inside it, or
// later), keeping the channel it was opened from. hash, when given, makes
// Slack refuse the update if the view changed since it was read.
func (r *Request) UpdateView(ctx context.Context, v slack.ModalViewRequest, hash, viewID string) error {
	v.PrivateMetadata = withOrigin(v.PrivateMetadata, r.ChannelID)
	_, err := r.API.UpdateViewContext(ctx, v, "", hash, viewID)
	return err
}

// CloseModals answers a view submission by closing every modal of the
// stack.
func (r *Request) CloseModals() {
	r.Ack(slack.NewClearViewSubmissionResponse())
}

// Options answers an external_select's options request.
func (r *Request) Options(opts []*slack.OptionBlockObject) {
	if opts == nil {
		opts = []*slack.OptionBlockObject{} // Slack wants a list, even empty
	}
	r.Ack(slack.OptionsResponse{Options: opts})
}

// Value returns the value of an input in a submitted modal, by block id:
// text, the selected option or user, a date, the first checked box.
func (r *Request) Value(blockID string) string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return ""
	}
	for _, a := range r.Interaction.View.State.Values[blockID] {
		switch {
		case a.Value != "":
			return a.Value
		case a.SelectedOption.Value != "":
			return a.SelectedOption.Value
		case a.SelectedUser != "":
			return a.SelectedUser
		case a.SelectedDate != "":
			return a.SelectedDate
		case a.SelectedTime != "":
			return a.SelectedTime
		case len(a.SelectedOptions) > 0:
			return a.SelectedOptions[0].Value
		}
	}
	return ""
}

// Values returns every selected value of an input in a submitted modal:
// the checked boxes or the chosen options.
func (r *Request) Values(blockID string) []string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return nil
	}
	var out []string
	for _, a := range r.Interaction.View.State.Values[blockID] {
		for _, o := range a.SelectedOptions {
			out = append(out, o.Value)
		}
	}
	return out
}

// PrivateMetadata decodes the submitted modal's private metadata into v.
func (r *Request) PrivateMetadata(v any) error {
	if r.Interaction == nil || r.Interaction.View.PrivateMetadata == "" {
		return nil
	}
	return json.Unmarshal([]byte(r.Interaction.View.PrivateMetadata), v)
}
