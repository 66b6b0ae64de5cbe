"""The town on the map: town, villages, grids, point location."""
