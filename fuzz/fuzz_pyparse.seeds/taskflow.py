# Airflow 2 TaskFlow: @dag, @task, XComArg edges, repeated calls get __1 suffixes.
import pendulum

from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 2}, tags=["example"])
def taskflow_etl():
    @task()
    def extract():
        return {"a": 1}

    @task(multiple_outputs=True, retries=5)
    def transform(order_data: dict):
        return {"total": sum(order_data.values())}

    @task
    def load(total: float):
        print(total)

    data = extract()
    summary = transform(data)
    load(summary["total"])
    load(summary["total"])


taskflow_etl()
