-- COPY FROM STDIN and TO STDOUT in text and csv formats.
CREATE TABLE c (id int PRIMARY KEY, name text, score float8, ok bool, note text);
COPY c FROM STDIN;
1	alpha	1.5	t	plain
2	beta	\N	f	tab\there
3	gamma	-2	\N	back\\slash
\.
SELECT * FROM c ORDER BY id;
COPY c (id, name) FROM STDIN;
4	delta
\.
COPY c FROM STDIN (FORMAT csv);
5,"eps, ilon",2.5,true,"quote ""here"""
6,,,,
\.
COPY c FROM STDIN WITH (FORMAT csv, HEADER true);
id,name,score,ok,note
7,eta,7,t,x
\.
COPY c FROM STDIN CSV HEADER;
id,name,score,ok,note
8,theta,8,f,y
\.
SELECT id, name, score, ok, note, note IS NULL, name IS NULL FROM c ORDER BY id;
COPY c TO STDOUT;
COPY c (id, name) TO STDOUT;
COPY c TO STDOUT WITH (FORMAT csv);
COPY c TO STDOUT WITH (FORMAT csv, HEADER);
COPY c TO STDOUT CSV HEADER;
COPY (SELECT id, name FROM c WHERE id < 3 ORDER BY id) TO STDOUT;
COPY (SELECT id * 2 AS double, upper(name) FROM c WHERE id < 4 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true);
COPY c TO STDOUT WITH (FORMAT text, DELIMITER ',');
COPY c TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NULL');
COPY c FROM STDIN;
9	bad	notanumber	t	x
\.
COPY c FROM STDIN;
1	dup	1	t	x
\.
COPY c FROM STDIN;
10	short
\.
COPY missing FROM STDIN;
1
\.
SELECT count(*) FROM c;
CREATE TABLE arr (id int, tags text[], j jsonb);
COPY arr FROM STDIN;
1	{a,b}	{"k": 1}
2	{}	[]
3	\N	null
\.
COPY arr TO STDOUT;
COPY arr TO STDOUT (FORMAT csv);
SELECT id, tags, j FROM arr ORDER BY id;
