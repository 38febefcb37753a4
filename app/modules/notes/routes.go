package notes

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenancyhq/tenancy/app/host"
	"github.com/tenancyhq/tenancy/ports"
)

// Note is one note of the current tenant.
type Note struct {
	ID        int64     `json:"id" example:"1" doc:"The note's id, unique within its tenant."`
	Title     string    `json:"title" example:"Kick-off" doc:"A short title."`
	Body      string    `json:"body" example:"Agenda: scope, milestones." doc:"The note's text."`
	CreatedAt time.Time `json:"createdAt" doc:"When the note was created (RFC 3339, UTC)."`
}

// Routes serves the notes API of the resolved tenant.
type Routes struct {
	scope ports.Scope
}

// NewRoutes builds the notes API over the tenant scope.
func NewRoutes(scope ports.Scope) *Routes { return &Routes{scope: scope} }

type createInput struct {
	Body struct {
		Title string `json:"title" minLength:"1" maxLength:"200" example:"Kick-off" doc:"A short title."`
		Body  string `json:"body,omitempty" maxLength:"100000" example:"Agenda: scope, milestones." doc:"The note's text."`
	}
}

type noteOutput struct {
	Body Note
}

type listOutput struct {
	Body struct {
		Items []Note `json:"items" doc:"The tenant's notes, newest first (at most 100)."`
	}
}

type idInput struct {
	ID int64 `path:"id" minimum:"1" example:"1" doc:"The note's id."`
}

// RegisterTenant adds the notes operations.
func (r *Routes) RegisterTenant(api huma.API) {
	tags := []string{"notes"}
	huma.Register(api, huma.Operation{
		OperationID: "createNote", Method: http.MethodPost, Path: "/notes", Tags: tags,
		Summary: "Create a note", Description: "Creates a note in the current tenant's schema.",
		DefaultStatus: http.StatusCreated,
	}, r.create)
	huma.Register(api, huma.Operation{
		OperationID: "listNotes", Method: http.MethodGet, Path: "/notes", Tags: tags,
		Summary: "List notes", Description: "Lists the current tenant's notes, newest first.",
	}, r.list)
	huma.Register(api, huma.Operation{
		OperationID: "getNote", Method: http.MethodGet, Path: "/notes/{id}", Tags: tags,
		Summary: "Get a note", Description: "Returns one of the current tenant's notes.",
	}, r.get)
	huma.Register(api, huma.Operation{
		OperationID: "deleteNote", Method: http.MethodDelete, Path: "/notes/{id}", Tags: tags,
		Summary: "Delete a note", Description: "Deletes one of the current tenant's notes.",
		DefaultStatus: http.StatusNoContent,
	}, r.delete)
}

func (r *Routes) create(ctx context.Context, in *createInput) (*noteOutput, error) {
	out := &noteOutput{}
	err := r.scope.RunCurrent(ctx, func(ctx context.Context, tx ports.Tx) error {
		return scanNote(tx.QueryRowContext(ctx,
			"INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, title, body, created_at",
			in.Body.Title, in.Body.Body), &out.Body)
	})
	return out, host.Problem(ctx, err)
}

func (r *Routes) list(ctx context.Context, _ *struct{}) (*listOutput, error) {
	out := &listOutput{}
	out.Body.Items = []Note{}
	err := r.scope.RunCurrent(ctx, func(ctx context.Context, tx ports.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, title, body, created_at FROM notes ORDER BY created_at DESC, id DESC LIMIT 100")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n Note
			if err := rows.Scan(&n.ID, &n.Title, &n.Body, &n.CreatedAt); err != nil {
				return err
			}
			n.CreatedAt = n.CreatedAt.UTC()
			out.Body.Items = append(out.Body.Items, n)
		}
		return rows.Err()
	})
	return out, host.Problem(ctx, err)
}

func (r *Routes) get(ctx context.Context, in *idInput) (*noteOutput, error) {
	out := &noteOutput{}
	err := r.scope.RunCurrent(ctx, func(ctx context.Context, tx ports.Tx) error {
		err := scanNote(tx.QueryRowContext(ctx, "SELECT id, title, body, created_at FROM notes WHERE id = $1", in.ID), &out.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return ports.Errorf(ports.KindNotFound, "note %d does not exist", in.ID)
		}
		return err
	})
	return out, host.Problem(ctx, err)
}

func (r *Routes) delete(ctx context.Context, in *idInput) (*struct{}, error) {
	err := r.scope.RunCurrent(ctx, func(ctx context.Context, tx ports.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM notes WHERE id = $1", in.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ports.Errorf(ports.KindNotFound, "note %d does not exist", in.ID)
		}
		return nil
	})
	return nil, host.Problem(ctx, err)
}

func scanNote(row *sql.Row, n *Note) error {
	if err := row.Scan(&n.ID, &n.Title, &n.Body, &n.CreatedAt); err != nil {
		return err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return nil
}
