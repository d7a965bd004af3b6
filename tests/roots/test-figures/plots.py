from matplotlib.figure import Figure


def staff_steps(table):
    figure = Figure(figsize=(5, 3))
    axes = figure.add_subplot()
    axes.step(table.column("month"), table.column("staff"), where="post", label="staff on payroll")
    axes.legend()
    return figure
