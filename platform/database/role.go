package database

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zebralabs/zebra/platform/config"
)

// Role names. PostgreSQL identifiers are at most 63 bytes: the database
// part of a role name takes at most maxRolePrefix of them, the module's
// name at most maxModuleName, with an underscore between.
const (
	maxRolePrefix = 24
	maxModuleName = 63 - maxRolePrefix - 1
)

var (
	moduleName       = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	unsafeRoleLetter = regexp.MustCompile(`[^a-z0-9_]+`)
)

// RolePrefix is the first part of the name of every module role of
// database: the database's name, lower-cased with anything but letters,
// digits and underscores replaced by "_", or, when that is longer than 24
// bytes, its first 15 bytes and 8 hex digits of a hash of the whole name.
// Roles belong to the whole server while grants belong to one database,
// so roles named after the database keep two databases of one server
// (staging and production, test databases) from sharing them.
func RolePrefix(database string) string {
	p := strings.Trim(unsafeRoleLetter.ReplaceAllString(strings.ToLower(database), "_"), "_")
	if p != "" && len(p) <= maxRolePrefix {
		return p
	}
	sum := sha256.Sum256([]byte(database))
	if len(p) > 15 {
		p = strings.TrimRight(p[:15], "_")
	}
	if p == "" {
		p = "db"
	}
	return p + "_" + hex.EncodeToString(sum[:4])
}

// RoleName is the database role whose privileges module's statements run
// with in database: RolePrefix(database) + "_" + module, for instance
// zebra_orders. `zebra schema apply` creates it; OpenRole connects as
// it. A module name is a lower-case identifier of at most 38 bytes.
func RoleName(database, module string) (string, error) {
	if !moduleName.MatchString(module) || len(module) > maxModuleName {
		return "", fmt.Errorf("module name %q: a database role needs a lower-case identifier of at most %d bytes", module, maxModuleName)
	}
	return RolePrefix(database) + "_" + module, nil
}

// ErrLoginTransaction is the error of a module's statement, or unit of
// work, inside a transaction begun on the pool of the service's login
// user: the statement would run with every privilege of that user, past
// the module's role. A transaction that runs a module's code begins on the
// module's own unit of work (ModuleRole decorates it in the module's
// scope).
var ErrLoginTransaction = errors.New("a module's statement cannot join a transaction of the service's login user: " +
	"it would escape the module's database role (begin the transaction with the module's unit of work)")

// originName names the origin among gorm's plugins.
const originName = "zebra:origin"

// origin is how a pool was opened, kept among its gorm plugins: OpenRole
// opens the pools of module roles alike, and Close closes them with it.
type origin struct {
	cfg     config.Database
	opts    options
	role    string    // the module role the sessions run as; "" for the login user
	gate    *poolGate // shared with the pools opened from this one; nil without DATABASE_ACQUIRE_TIMEOUT
	offline bool      // never connects (Offline)

	mu       sync.Mutex
	children []*gorm.DB
}

// Name implements gorm.Plugin.
func (*origin) Name() string { return originName }

// Initialize implements gorm.Plugin; the origin only keeps what it knows.
func (*origin) Initialize(*gorm.DB) error { return nil }

func (o *origin) appName() string { return o.opts.appName }

func (o *origin) addChild(db *gorm.DB) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.children = append(o.children, db)
}

func (o *origin) takeChildren() []*gorm.DB {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.children
	o.children = nil
	return c
}

func originOf(db *gorm.DB) *origin {
	if db == nil || db.Config == nil {
		return nil
	}
	o, _ := db.Plugins[originName].(*origin)
	return o
}

// RoleOf is the module role db's sessions run as, "" for a pool of the
// login user (or one not opened by Open).
func RoleOf(db *gorm.DB) string {
	if o := originOf(db); o != nil {
		return o.role
	}
	return ""
}

// OpenRole opens a pool like parent (same server, database, credentials,
// session settings, tracer) whose sessions run as the role of module in
// that database (RoleName), from their first statement: PostgreSQL then
// checks each of the module's statements against what `zebra schema
// apply` granted that role (its own schema, plus what the platform's and
// other owners' tables share with every module). The login user of parent
// must be allowed to act as the role; apply grants it to the user that
// runs it.
//
// The pool holds at most size connections (parent's size when size is 0
// or larger) and shares parent's gate, so the database work a process has
// in progress stays bounded by DATABASE_MAX_OPEN_CONNS however many modules
// it runs. It is closed by Close(parent). Its application_name is
// parent's with "-<module>" appended. It checks that its sessions do run
// as the role: a pooler in between may drop the startup parameter.
func OpenRole(ctx context.Context, parent *gorm.DB, module string, size int) (*gorm.DB, error) {
	p := originOf(parent)
	switch {
	case p == nil:
		return nil, fmt.Errorf("open the pool of module %s: its parent was not opened by database.Open", module)
	case p.role != "":
		return nil, fmt.Errorf("open the pool of module %s: its parent runs as role %s already", module, p.role)
	case p.offline:
		return Offline()
	}
	var name string
	if err := parent.WithContext(ctx).Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		return nil, fmt.Errorf("open the pool of module %s: %w", module, Translate(err))
	}
	role, err := RoleName(name, module)
	if err != nil {
		return nil, err
	}
	cfg := p.cfg
	if size > 0 && size < cfg.MaxOpenConns {
		cfg.MaxOpenConns = size
	}
	cfg.MaxIdleConns = min(cfg.MaxIdleConns, cfg.MaxOpenConns)
	opts := p.opts
	if opts.appName != "" {
		opts.appName += "-" + module
	}
	db, err := open(ctx, &origin{cfg: cfg, opts: opts, role: role, gate: p.gate})
	if err != nil {
		return nil, fmt.Errorf("open the pool of module %s: %w", module, err)
	}
	// A proxy between the service and PostgreSQL may drop the startup
	// parameter (PgBouncer's ignore_startup_parameters): the sessions would
	// then run as the login user, silently.
	var user string
	if err := db.WithContext(ctx).Raw("SELECT current_user").Scan(&user).Error; err != nil || user != role {
		_ = Close(db)
		if err != nil {
			return nil, fmt.Errorf("open the pool of module %s: %w", module, Translate(err))
		}
		return nil, fmt.Errorf("open the pool of module %s: its sessions run as %s, not %s: something between the service and "+
			"PostgreSQL (a pooler such as PgBouncer) dropped the role startup parameter", module, user, role)
	}
	p.addChild(db)
	return db, nil
}

// Offline returns a pool that never connects (the module pools OpenRole
// opens from it neither), for assembling the whole app where nothing may
// reach a database: `zebra openapi` writes the document of every route
// without one. A statement on it fails.
func Offline() (*gorm.DB, error) {
	db, err := gorm.Open(postgres.New(postgres.Config{DSN: "postgres://offline.invalid/zebra"}),
		&gorm.Config{DisableAutomaticPing: true, Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("open an offline pool: %w", err)
	}
	if err := db.Use(&origin{offline: true}); err != nil {
		return nil, fmt.Errorf("open an offline pool: %w", err)
	}
	return db, nil
}

// roleError explains why a pool of a module role could not connect.
func roleError(display, role string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "22023", "42704": // invalid_parameter_value (the startup parameter names no role), undefined_object
			return fmt.Errorf("PostgreSQL at %s: %s (zebra schema apply creates the module roles)", display, pgErr.Message)
		case "42501": // insufficient_privilege: permission denied to set role
			return fmt.Errorf("the user of %s may not act as role %s (zebra schema apply grants the module roles "+
				"to the user that runs it; for another user: GRANT %s TO <user>)", display, role, role)
		}
	}
	return connectError(display, err)
}

// ModuleRole makes a module's statements run as its own database role
// (RoleName: zebra_<module> for a database named zebra). Listed in the
// module's fx.Module, it decorates, for that module only, the *gorm.DB and
// the *UnitOfWork with a pool opened by OpenRole from the platform's,
// sized by DATABASE_MODULE_MAX_OPEN_CONNS (module:n) or else
// DATABASE_MAX_OPEN_CONNS, its statistics exported like the platform
// pool's under db_name <SERVICE_NAME>-<module>. The module's repositories,
// jobs and commands then cannot read another module's tables: PostgreSQL
// answers permission denied (docs/adr/0007-module-database-roles.md).
// Modules use platform.ModuleRole, which also gives the idempotency
// middleware of their routes the module's unit of work.
func ModuleRole(module string) fx.Option {
	return fx.Decorate(func(p moduleRoleParams) (*gorm.DB, *UnitOfWork, error) {
		db, err := OpenRole(context.Background(), p.Parent, module, p.Config.Database.ModuleMaxOpenConns[module])
		if err != nil {
			return nil, nil, err
		}
		if p.Registerer != nil {
			name := originOf(db).appName()
			if name == "" {
				name = module
			}
			if err := RegisterMetrics(p.Registerer, db, name); err != nil {
				return nil, nil, fmt.Errorf("module %s: %w", module, err)
			}
		}
		return db, NewUnitOfWork(db), nil
	})
}

type moduleRoleParams struct {
	fx.In
	Parent     *gorm.DB
	Config     config.Config         `optional:"true"`
	Registerer prometheus.Registerer `optional:"true"`
}
