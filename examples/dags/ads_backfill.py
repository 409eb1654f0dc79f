"""A hand-written backfill DAG with the mistakes dagcheck exists to catch."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.dummy import DummyOperator

dag = DAG(
    dag_id="ads_backfill",
    schedule_interval="@daily",
    start_date=datetime.now(),
)

start = DummyOperator(task_id="start", dag=dag)
extract = BashOperator(task_id="extract", bash_command="extract.sh {{ ds }}", dag=dag)
load = BashOperator(task_id="load", bash_command="load.sh {{ ds }}", dag=dag)
extract_again = BashOperator(task_id="extract", bash_command="extract.sh", dag=dag)

start >> extract >> load >> publish
