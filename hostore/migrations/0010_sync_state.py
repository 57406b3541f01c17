"""The hostore app's own tables: the SQLite change counter and the sync clients' cursors.

Numbered 0010 so that databases which ran holcstore 0.5/0.6 (whose hostore migrations
0001-0009 created and dropped that release's test models) apply it too: a first migration
named 0001 would be taken for theirs and skipped.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='ChangeClock',
            fields=[
                ('name', models.CharField(max_length=255, primary_key=True, serialize=False)),
                ('value', models.BigIntegerField(default=0)),
            ],
            options={
                'db_table': 'hostore_changeclock',
            },
        ),
        migrations.CreateModel(
            name='SyncCursor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('store', models.CharField(max_length=255)),
                ('endpoint', models.TextField()),
                ('filters', models.TextField(default='{}')),
                ('position', models.TextField(default='')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': 'hostore_synccursor',
            },
        ),
    ]
