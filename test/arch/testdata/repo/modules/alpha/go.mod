module github.com/zebralabs/zebra/modules/alpha

go 1.26
