module github.com/zebralabs/zebra/modules/beta

go 1.26
