package database

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"
)

// RegisterMetrics exports db's pool statistics (open, in use, idle,
// waits and wait time, closed connections) to reg as the go_sql_* series
// labelled db_name=name, so dashboards show pool saturation.
func RegisterMetrics(reg prometheus.Registerer, db *gorm.DB, name string) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	if err := reg.Register(collectors.NewDBStatsCollector(sqlDB, name)); err != nil {
		return fmt.Errorf("register database metrics: %w", err)
	}
	return nil
}
