from matplotlib.figure import Figure


def labelled(table):
    """A plot function that puts data text on the axes, as it is."""
    figure = Figure(figsize=(4, 3))
    axes = figure.add_subplot()
    names = [str(name) for name in table.column("name")]
    axes.bar(range(len(names)), table.column("n"))
    axes.set_xticks(range(len(names)), names)
    return figure
