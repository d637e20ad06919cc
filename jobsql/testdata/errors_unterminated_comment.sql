REPLICATE Issues;
/* never closed
REPLICATE Y;
