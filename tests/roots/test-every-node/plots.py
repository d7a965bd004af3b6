from matplotlib.figure import Figure


def users_histogram(table):
    figure = Figure(figsize=(5, 3))
    axes = figure.add_subplot()
    axes.hist(table.column("users"), bins=8)
    axes.set_xlabel("Users per hub")
    return figure
