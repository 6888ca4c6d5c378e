"""The Model feature's components: the ERD editor (canvas, nodes, graph, edits), the inspector,
the side panels and the Try it panel."""
